// Self-hosted Noto Sans SC (from @fontsource/noto-sans-sc), split by unicode-range into ~100 woff2
// files that the browser fetches only when a character needs them. The same files serve the page
// (CSS @font-face) and the map (the style's `font-faces`), so Chinese never draws as boxes and
// nothing is fetched from the internet.
import type { FontFacesSpecification } from 'maplibre-gl';
import css400 from '@fontsource/noto-sans-sc/400.css?raw';

const files = import.meta.glob<string>(
  '../../../node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-*-400-normal.woff2',
  {
    query: '?url',
    import: 'default',
    eager: true,
  },
);

const urlByName = new Map(
  Object.entries(files).map(([path, url]) => [path.slice(path.lastIndexOf('/') + 1), url]),
);

export const MAP_FONT = 'Noto Sans SC Regular';
export const PAGE_FONT_FAMILY = 'RingCAD Sans';

interface Face {
  url: string;
  ranges: string[];
}

function faces(): Face[] {
  const out: Face[] = [];
  for (const block of css400.split('@font-face').slice(1)) {
    const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(block)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    const url = file ? urlByName.get(file) : undefined;
    if (url && range) out.push({ url, ranges: range.split(',').map((r) => r.trim()) });
  }
  return out;
}

const FACES = faces();

/** The `font-faces` of our map style: the text-font name we use, drawn from the self-hosted files. */
export function mapFontFaces(): FontFacesSpecification {
  return { [MAP_FONT]: FACES.map((f) => ({ url: f.url, 'unicode-range': f.ranges })) };
}

/** Registers the same files for the page's own text. */
export function installPageFonts() {
  const css = FACES.map(
    (f) =>
      `@font-face{font-family:'${PAGE_FONT_FAMILY}';font-style:normal;font-weight:400 700;font-display:swap;` +
      `src:url(${f.url}) format('woff2');unicode-range:${f.ranges.join(',')};}`,
  ).join('\n');
  const style = document.createElement('style');
  style.dataset.fonts = 'noto-sans-sc';
  style.textContent = css;
  document.head.append(style);
}

export function fontFaceCount(): number {
  return FACES.length;
}
