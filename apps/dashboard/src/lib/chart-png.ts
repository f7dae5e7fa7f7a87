/**
 * A chart on screen as a PNG, in the browser: the chart's box is flattened into one standalone SVG
 * (its SVG surfaces where they sit, plus the HTML text around them, such as recharts' legend), every
 * element carrying its computed style — an SVG drawn as an image sees none of the page's CSS — then
 * drawn on a white canvas at `scale` × the on-screen size.
 *
 * The page uses system fonts only (globals.css), which an SVG image can use as well, so copying each
 * text's computed font-family is enough for the PNG's text to look like the screen's; a web font would
 * have to be embedded as a data: URL in a <style> of the SVG.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** What an SVG element's look depends on (copied from its computed style into its style attribute). */
const SVG_STYLE = [
  'display',
  'visibility',
  'opacity',
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'stroke-linejoin',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
] as const;

const TITLE_HEIGHT_PX = 30;

export interface ChartImageOptions {
  /** A line drawn above the chart (what it shows, which window): a PNG travels without the page around it. */
  title?: string;
  /** Pixels per CSS pixel (default 2: sharp when pasted into slides). */
  scale?: number;
}

/** Invisible on screen: not drawn (recharts keeps its tooltip in the DOM, hidden, between hovers). */
function hidden(element: Element): boolean {
  const style = getComputedStyle(element);
  return style.display === 'none' || style.visibility === 'hidden' || element.classList.contains('recharts-tooltip-wrapper');
}

/** A deep copy of `source` whose elements carry their computed style, placed at `x`, `y` of the output. */
function styledCopy(source: SVGSVGElement, x: number, y: number, width: number, height: number): SVGSVGElement {
  const copy = source.cloneNode(true) as SVGSVGElement;
  const originals = [source, ...source.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((original, i) => {
    const computed = getComputedStyle(original);
    copies[i]!.setAttribute('style', SVG_STYLE.map((p) => `${p}:${computed.getPropertyValue(p)}`).join(';'));
  });
  for (const [name, value] of Object.entries({ x, y, width, height })) copy.setAttribute(name, String(value));
  return copy;
}

/** HTML text (a legend entry, a label) as an SVG <text> where it is on screen, in its font and colour. */
function textAt(node: Text, parent: Element, origin: DOMRect): SVGTextElement | null {
  const content = node.textContent?.trim();
  if (!content) return null;
  const range = document.createRange();
  range.selectNodeContents(node);
  const box = range.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return null;
  const computed = getComputedStyle(parent);
  const text = document.createElementNS(SVG_NS, 'text');
  text.setAttribute('x', String(box.left - origin.left));
  text.setAttribute('y', String(box.top - origin.top + box.height / 2));
  text.setAttribute(
    'style',
    `fill:${computed.color};font-family:${computed.fontFamily};font-size:${computed.fontSize};font-weight:${computed.fontWeight};font-style:${computed.fontStyle};dominant-baseline:central`,
  );
  text.textContent = content;
  return text;
}

/** Everything visible in `element` (SVG surfaces and HTML text), positioned relative to `origin`, appended to `into`. */
function flatten(element: Element, origin: DOMRect, into: SVGElement): void {
  for (const child of element.childNodes) {
    if (child instanceof Text) {
      const text = textAt(child, element, origin);
      if (text) into.append(text);
    } else if (child instanceof Element && !hidden(child)) {
      if (child instanceof SVGSVGElement) {
        const box = child.getBoundingClientRect();
        into.append(styledCopy(child, box.left - origin.left, box.top - origin.top, box.width, box.height));
      } else {
        flatten(child, origin, into);
      }
    }
  }
}

/** The title's font size: 15 px, smaller (down to 9 px) when that would not fit the chart's width (a phone's). */
function titleFontPx(title: string, fontFamily: string, widthPx: number): number {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return 15;
  context.font = `600 15px ${fontFamily}`;
  const measured = context.measureText(title).width;
  return measured <= widthPx ? 15 : Math.max(9, Math.floor((15 * widthPx) / measured));
}

/** The chart in `container` as one standalone SVG document, with a white background and the title on top. */
export function chartSvg(container: HTMLElement, title?: string): { svg: string; width: number; height: number } {
  const origin = container.getBoundingClientRect();
  const top = title ? TITLE_HEIGHT_PX : 0;
  const width = Math.ceil(origin.width);
  const height = Math.ceil(origin.height) + top;
  const root = document.createElementNS(SVG_NS, 'svg');
  root.setAttribute('xmlns', SVG_NS);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const background = document.createElementNS(SVG_NS, 'rect');
  for (const [name, value] of Object.entries({ width: '100%', height: '100%', fill: '#ffffff' })) background.setAttribute(name, value);
  root.append(background);
  if (title) {
    const heading = document.createElementNS(SVG_NS, 'text');
    heading.setAttribute('x', '8');
    heading.setAttribute('y', String(TITLE_HEIGHT_PX / 2));
    const fontFamily = getComputedStyle(container).fontFamily;
    heading.setAttribute('style', `fill:#1b1f24;font-family:${fontFamily};font-size:${titleFontPx(title, fontFamily, width - 16)}px;font-weight:600;dominant-baseline:central`);
    heading.textContent = title;
    root.append(heading);
  }
  const body = document.createElementNS(SVG_NS, 'g');
  body.setAttribute('transform', `translate(0 ${top})`);
  flatten(container, origin, body);
  root.append(body);
  return { svg: new XMLSerializer().serializeToString(root), width, height };
}

/** The chart in `container` as a PNG. */
export async function chartPng(container: HTMLElement, options: ChartImageOptions = {}): Promise<Blob> {
  const scale = options.scale ?? 2;
  const { svg, width, height } = chartSvg(container, options.title);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`; // data: is what the CSP's img-src allows
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives no 2D canvas');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
}

/** Saves `blob` as a download named `fileName` (an object URL on a temporary link). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it starts; free the blob after it surely has.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
