import { PageSizes, StandardFonts, rgb, type PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * Writing text down a page with pdf-lib: lines, wrapped cells and table rows, a new page when one is
 * full. The standard fonts keep the text extractable and the PDF small; they only know WinAnsi (Latin-1
 * and a few more), so text they cannot show is made readable first (`printable`).
 */

const MARGIN = 48;
const LINE_GAP = 1.35;
const GREY = rgb(0.4, 0.4, 0.4);

export type PageSize = 'A4' | 'Letter';

/** Letter where it is the paper in the printer (US, Canada, Mexico and a few more), A4 elsewhere. */
const LETTER_COUNTRIES = new Set(['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'GT', 'CR', 'PA', 'DO', 'PR']);
export const pageSizeFor = (country: string): PageSize => (LETTER_COUNTRIES.has(country) ? 'Letter' : 'A4');

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export async function standardFonts(document: PDFDocument): Promise<Fonts> {
  const [regular, bold] = await Promise.all([
    document.embedFont(StandardFonts.Helvetica),
    document.embedFont(StandardFonts.HelveticaBold),
  ]);
  return { regular: regular!, bold: bold! };
}

const characterSets = new WeakMap<PDFFont, Set<number>>();

/**
 * The text with every character the font cannot encode replaced, so a name in any script renders instead
 * of throwing: a letter outside WinAnsi whose accent is the only trouble loses it ("ź" → "z", "ặ" → "a"),
 * anything else becomes "?" ("山田" → "??", "Ł" → "?"). Line breaks and tabs become spaces. Embedding a
 * font that covers every script would take megabytes per PDF; the order's data stays intact in the API.
 */
export function printable(text: string, font: PDFFont): string {
  let known = characterSets.get(font);
  if (!known) characterSets.set(font, (known = new Set(font.getCharacterSet())));
  let out = '';
  for (const char of text.normalize('NFC').replace(/\s/g, ' ')) {
    if (known.has(char.codePointAt(0)!)) out += char;
    else {
      const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
      out += base && [...base].every((part) => known.has(part.codePointAt(0)!)) ? base : '?';
    }
  }
  return out;
}

export interface TextStyle {
  size?: number;
  bold?: boolean;
  grey?: boolean;
}

export interface Cell extends TextStyle {
  text: string;
  /** Left edge, from the left margin. */
  x: number;
  width: number;
  align?: 'left' | 'right';
}

/**
 * A document's pages, written top to bottom. `continuation` draws the top of every page after the first
 * of a document (the order's number, so a loose page can be put back).
 */
export class Sheet {
  private page!: PDFPage;
  private y = 0;
  private continuation: (() => void) | undefined;

  constructor(
    private readonly document: PDFDocument,
    private readonly fonts: Fonts,
    private readonly size: PageSize,
  ) {}

  /** Width available between the margins. */
  get width(): number {
    return PageSizes[this.size][0] - 2 * MARGIN;
  }

  /** Starts a document on a page of its own; `continuation` heads its later pages. */
  startDocument(continuation?: () => void): void {
    this.continuation = undefined;
    this.newPage();
    this.continuation = continuation;
  }

  private newPage(): void {
    this.page = this.document.addPage(PageSizes[this.size]);
    this.y = this.page.getHeight() - MARGIN;
    this.continuation?.();
  }

  private font(style: TextStyle): PDFFont {
    return style.bold ? this.fonts.bold : this.fonts.regular;
  }

  /** Widths of the words this document has drawn: a batch repeats its SKUs, names and labels a lot. */
  private readonly widths = new Map<string, number>();

  private measure(text: string, style: TextStyle): number {
    const size = style.size ?? 10;
    const key = `${style.bold ? 'b' : 'r'}${size}|${text}`;
    let width = this.widths.get(key);
    if (width === undefined) {
      width = this.font(style).widthOfTextAtSize(text, size);
      this.widths.set(key, width);
    }
    return width;
  }

  /**
   * The text broken into lines no wider than `width` (a word wider than that is cut). Lines are measured
   * a word at a time, without the kerning across a space, which only ever narrows a line.
   */
  wrap(text: string, width: number, style: TextStyle = {}): string[] {
    const space = this.measure(' ', style);
    const lines: string[] = [];
    let current = '';
    let currentWidth = 0;
    for (let word of printable(text, this.font(style)).split(/ +/).filter(Boolean)) {
      let wordWidth = this.measure(word, style);
      if (current && currentWidth + space + wordWidth <= width) {
        current += ` ${word}`;
        currentWidth += space + wordWidth;
        continue;
      }
      if (current) lines.push(current);
      while (wordWidth > width && word.length > 1) {
        let cut = 0;
        for (let used = 0; cut < word.length - 1; cut++) {
          used += this.measure(word[cut]!, style);
          if (used > width) break;
        }
        lines.push(word.slice(0, Math.max(cut, 1)));
        word = word.slice(Math.max(cut, 1));
        wordWidth = this.measure(word, style);
      }
      current = word;
      currentWidth = wordWidth;
    }
    if (current || lines.length === 0) lines.push(current);
    return lines;
  }

  /** One row of cells on the same baseline; cells that wrap make the row taller. */
  row(cells: Cell[]): void {
    const wrapped = cells.map((cell) => ({ cell, lines: this.wrap(cell.text, cell.width, cell) }));
    const lineHeight = Math.max(...cells.map((cell) => (cell.size ?? 10) * LINE_GAP));
    const height = Math.max(...wrapped.map(({ lines }) => lines.length)) * lineHeight;
    this.ensure(height);
    for (const { cell, lines } of wrapped) {
      const font = this.font(cell);
      const size = cell.size ?? 10;
      lines.forEach((line, index) => {
        const offset = cell.align === 'right' ? cell.width - this.measure(line, cell) : 0;
        this.page.drawText(line, {
          x: MARGIN + cell.x + offset,
          y: this.y - size - index * lineHeight,
          size,
          font,
          ...(cell.grey ? { color: GREY } : {}),
        });
      });
    }
    this.y -= height;
  }

  /** A paragraph across the full width (or from `x`, `width` wide). */
  text(text: string, style: TextStyle & { x?: number; width?: number } = {}): void {
    const x = style.x ?? 0;
    this.row([{ ...style, text, x, width: style.width ?? this.width - x }]);
  }

  /** Blocks side by side (bill-to beside ship-to), each a list of lines; the tallest sets the height. */
  columns(blocks: { x: number; width: number; lines: { text: string; style?: TextStyle }[] }[]): void {
    const heightOf = (block: (typeof blocks)[number]) =>
      block.lines.reduce(
        (sum, { text, style = {} }) =>
          sum + this.wrap(text, block.width, style).length * (style.size ?? 10) * LINE_GAP,
        0,
      );
    // Kept on one page, so every block starts level.
    this.ensure(Math.max(...blocks.map(heightOf)));
    const top = this.y;
    let bottom = top;
    for (const block of blocks) {
      this.y = top;
      for (const { text, style } of block.lines)
        this.row([{ ...style, text, x: block.x, width: block.width }]);
      bottom = Math.min(bottom, this.y);
    }
    this.y = bottom;
  }

  /** A thin rule across the width. */
  rule(): void {
    this.ensure(8);
    this.y -= 4;
    this.page.drawLine({
      start: { x: MARGIN, y: this.y },
      end: { x: MARGIN + this.width, y: this.y },
      thickness: 0.5,
      color: GREY,
    });
    this.y -= 4;
  }

  gap(points: number): void {
    this.y -= points;
  }

  /** A new page when `height` no longer fits above the bottom margin. */
  ensure(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }
}
