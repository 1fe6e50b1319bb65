/** What the last action did (announced politely) and what went wrong (announced at once). */
export function Feedback({ message, error }: { message: string; error: string }) {
  return (
    <>
      <p role="status" class="notice">
        {message}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </>
  );
}
