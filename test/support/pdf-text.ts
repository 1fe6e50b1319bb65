import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';

/** pdfjs reads the standard 14 fonts' metrics from its own files; without them it warns on every page. */
const standardFontDataUrl = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/**
 * The text of each page of a PDF, as a reader's copy and paste would get it: a page's text runs in the
 * order they were drawn, one line per text line (runs drawn one after another on the same baseline, such
 * as a table row's cells, joined by a single space).
 */
export async function pdfPages(pdf: Uint8Array): Promise<string[]> {
  // pdfjs takes ownership of (detaches) the buffer it is given: it gets a copy.
  const document = await getDocument({ data: new Uint8Array(pdf), standardFontDataUrl, verbosity: 0 })
    .promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      const lines: string[] = [];
      let baseline: number | undefined;
      for (const item of content.items) {
        if (!('str' in item) || (item as TextItem).str.trim() === '') continue;
        const { str, transform } = item as TextItem;
        const y = Math.round(transform[5]!);
        if (baseline === y && lines.length) lines[lines.length - 1] += ` ${str.trim()}`;
        else lines.push(str.trim());
        baseline = y;
      }
      pages.push(lines.join('\n'));
    }
    return pages;
  } finally {
    await document.destroy();
  }
}

/** All the text of a PDF, its pages separated by a form feed. */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  return (await pdfPages(pdf)).join('\f');
}
