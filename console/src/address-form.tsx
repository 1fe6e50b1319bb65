import { useState } from 'preact/hooks';
import type { Address } from './api.js';

const FIELDS: [keyof Address, string, boolean][] = [
  ['name', 'Recipient name', true],
  ['line1', 'Street', true],
  ['line2', 'Street (line 2)', false],
  ['city', 'City', true],
  ['region', 'Region / state', false],
  ['postalCode', 'Postal code', true],
  ['country', 'Country (ISO code)', true],
];

/**
 * The shipping address as a form: `submitLabel` says what saving does (save, or save and retry). The API
 * validates it; its 400 names the field, shown by the caller.
 */
export function AddressForm({
  address,
  submitLabel,
  onSubmit,
}: {
  address: Address;
  submitLabel: string;
  onSubmit: (address: Address) => Promise<void>;
}) {
  const [draft, setDraft] = useState<Address>({ ...address });
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="address"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        void onSubmit(draft).finally(() => setBusy(false));
      }}
    >
      {FIELDS.map(([name, label, required]) => (
        <label key={name}>
          {label}
          <input
            name={name}
            required={required}
            value={draft[name] ?? ''}
            onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
          />
        </label>
      ))}
      <p>
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
      </p>
    </form>
  );
}
