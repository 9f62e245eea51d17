/**
 * The product gallery (pure): the thumbnails' names.
 */

/** A thumbnail button's name: "Show image 2 of 4: Linen shirt in navy". */
export function thumbnailLabel(index: number, count: number, alt?: string): string {
  const text = `Show image ${index + 1} of ${count}`;
  return alt?.trim() ? `${text}: ${alt.trim()}` : text;
}
