/**
 * The product gallery (pure): which image a shopper's choice of option values points at, and the
 * thumbnails' names.
 *
 * The API has no per-variant image (`ImageRead` is url, alt, position, size). An image belongs to
 * an option value when its alt text names that value as a word ("Everyday Linen Shirt in navy"
 * shows Colour: Navy), which is how the demo data and staff describe colour shots.
 */

export interface ImageLike {
  alt: string;
}

export interface OptionLike {
  name: string;
  values: readonly string[];
}

/** option name → the value one image shows, e.g. `{ Colour: "Navy" }` (empty: no association). */
export type ImageValues = Record<string, string>;

export type Selection = Record<string, string>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `text` names `value` as a whole word or phrase, in any case ("in navy" names "Navy"; "Men's" does not name "S"). */
function names(text: string, value: string): boolean {
  const wanted = value.trim();
  if (!wanted) return false;
  return new RegExp(`(?<![\\p{L}\\p{N}'’])${escapeRegExp(wanted)}(?![\\p{L}\\p{N}'’])`, "iu").test(text);
}

/** The values an alt text names; one inside a longer value it also names does not count ("light blue" is not "blue"). */
function valuesNamed(alt: string, values: readonly string[]): string[] {
  const named = values.filter((value) => names(alt, value));
  return named.filter((value) => !named.some((other) => other.length > value.length && names(other, value)));
}

/**
 * For each image, the option values its alt text names. A value every image names (a colour in
 * the product's title) tells the images apart no better than none and is ignored; an image that
 * names two values of one option shows neither.
 */
export function imageOptionValues(images: readonly ImageLike[], options: readonly OptionLike[]): ImageValues[] {
  const out: ImageValues[] = images.map(() => ({}));
  for (const option of options) {
    const named = images.map((image) => valuesNamed(image.alt ?? "", option.values));
    const everywhere = images.length > 1 ? option.values.filter((value) => named.every((values) => values.includes(value))) : [];
    named.forEach((values, index) => {
      const own = values.filter((value) => !everywhere.includes(value));
      if (own.length === 1) out[index]![option.name] = own[0]!;
    });
  }
  return out;
}

/** How well an image fits a selection: the values it shares with it, or -1 when it shows another value. */
function fit(values: ImageValues, selection: Selection): number {
  let score = 0;
  for (const [name, value] of Object.entries(values)) {
    const chosen = selection[name];
    if (chosen === undefined) continue;
    if (chosen !== value) return -1;
    score += 1;
  }
  return score;
}

/**
 * The image to show after the shopper changed their selection from `before` to `after`, or null
 * to keep the one shown (`current`).
 *
 * Only a change of an option some image shows (a colour, not a size) moves the gallery; it then
 * shows the image that fits the new selection best (the first on a tie), unless the one shown
 * already fits as well (a second shot of the same colour stays).
 */
export function imageForChange(imageValues: readonly ImageValues[], before: Selection, after: Selection, current: number): number | null {
  const shown = new Set(imageValues.flatMap((values) => Object.keys(values)));
  const moved = [...shown].some((name) => before[name] !== after[name]);
  if (!moved) return null;
  let best: number | null = null;
  let bestFit = 0;
  for (const [index, values] of imageValues.entries()) {
    const score = fit(values, after);
    if (score > bestFit) {
      best = index;
      bestFit = score;
    }
  }
  if (best === null || best === current) return null;
  const currentValues = imageValues[current];
  return currentValues && fit(currentValues, after) === bestFit ? null : best;
}

/** A thumbnail button's name: "Show image 2 of 4: Linen shirt in navy". */
export function thumbnailLabel(index: number, count: number, alt?: string): string {
  const text = `Show image ${index + 1} of ${count}`;
  return alt?.trim() ? `${text}: ${alt.trim()}` : text;
}
