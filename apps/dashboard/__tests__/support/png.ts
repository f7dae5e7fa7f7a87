/** Checks on PNG files the dashboard makes: the file's own header, and its pixels decoded by the browser. */
import type { Page } from 'playwright-core';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR (which must come first); throws if `png` is no PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: wrong signature');
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: IHDR is not the first chunk');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export interface PngLook {
  /** Every pixel fully opaque (a transparent PNG shows as black or checkered in other programs). */
  opaque: boolean;
  /** Top-left pixel, [r, g, b]: the background. */
  corner: [number, number, number];
  /** Share of pixels that are not white: 0 for a blank image. */
  inked: number;
  /** Pixels within 24 of `colour` in every channel. */
  ofColour: number;
  /** Dark pixels (text) in the top `bandPx` rows. */
  darkInBand: number;
  /**
   * Against `screen` (a screenshot of the chart's box, CSS pixels): the share of pixels that differ by
   * more than 64 in a channel, after the PNG's part below `bandPx` is scaled to the screenshot's size.
   */
  differsFromScreen: number;
}

/** Decodes `png` in the page's browser and measures what it shows (see PngLook). */
export async function lookAt(page: Page, png: Buffer, screen: Buffer, colour: [number, number, number], bandPx: number): Promise<PngLook> {
  return page.evaluate(
    async ({ png64, screen64, colour, bandPx }) => {
      const load = async (b64: string) => {
        const image = new Image();
        image.src = `data:image/png;base64,${b64}`;
        await image.decode();
        return image;
      };
      const [png, screen] = await Promise.all([load(png64), load(screen64)]);
      const pixelsOf = (image: HTMLImageElement, sy: number, width: number, height: number) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, sy, image.naturalWidth, image.naturalHeight - sy, 0, 0, width, height);
        return context.getImageData(0, 0, width, height).data;
      };
      const own = pixelsOf(png, 0, png.naturalWidth, png.naturalHeight);
      let opaque = true;
      let inked = 0;
      let ofColour = 0;
      let darkInBand = 0;
      for (let i = 0; i < own.length; i += 4) {
        const [r, g, b, a] = [own[i]!, own[i + 1]!, own[i + 2]!, own[i + 3]!];
        if (a !== 255) opaque = false;
        if (r < 250 || g < 250 || b < 250) inked++;
        if (Math.abs(r - colour[0]) <= 24 && Math.abs(g - colour[1]) <= 24 && Math.abs(b - colour[2]) <= 24) ofColour++;
        if (i / 4 < png.naturalWidth * bandPx && r < 100 && g < 100 && b < 100) darkInBand++;
      }
      const w = screen.naturalWidth;
      const h = screen.naturalHeight;
      const shown = pixelsOf(screen, 0, w, h);
      const drawn = pixelsOf(png, bandPx, w, h);
      let differing = 0;
      for (let i = 0; i < shown.length; i += 4) {
        if (Math.max(Math.abs(shown[i]! - drawn[i]!), Math.abs(shown[i + 1]! - drawn[i + 1]!), Math.abs(shown[i + 2]! - drawn[i + 2]!)) > 64) differing++;
      }
      return {
        opaque,
        corner: [own[0]!, own[1]!, own[2]!] as [number, number, number],
        inked: inked / (own.length / 4),
        ofColour,
        darkInBand,
        differsFromScreen: differing / (w * h),
      };
    },
    { png64: png.toString('base64'), screen64: screen.toString('base64'), colour, bandPx },
  );
}
