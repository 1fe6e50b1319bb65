/**
 * The records of an RFC 4180 CSV (CRLF between records, quotes doubled, line breaks only inside quotes),
 * each as its raw text: a line break ends a record only outside quotes.
 */
export function csvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '\r' && text[index + 1] === '\n') {
      records.push(text.slice(start, index));
      start = index + 2;
      index++;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records;
}
