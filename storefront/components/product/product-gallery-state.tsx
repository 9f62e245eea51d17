"use client";

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { imageForChange, type ImageValues, type Selection } from "@/lib/catalog/gallery";

export interface ProductGalleryState {
  /** index of the image shown large (0, the first image, until the shopper chooses) */
  shown: number;
  show(index: number): void;
  /** the shopper changed the variant picker's selection: show the new colour's image, if there is one */
  selectionChanged(before: Selection, after: Selection): void;
}

const ProductGalleryContext = createContext<ProductGalleryState | null>(null);

/**
 * What the product page's gallery and variant picker share: the image shown. Wrap both in it;
 * `imageValues` is `imageOptionValues(product.images, product.options)` (lib/catalog/gallery.ts),
 * computed on the server; `initialShown` the image of the variant the URL names (`?variant=`), if any.
 */
export function ProductGalleryProvider({ imageValues, initialShown = 0, children }: { imageValues: ImageValues[]; initialShown?: number; children: ReactNode }) {
  const [shown, setShown] = useState(initialShown);
  const selectionChanged = useCallback(
    (before: Selection, after: Selection) => setShown((current) => imageForChange(imageValues, before, after, current) ?? current),
    [imageValues],
  );
  const value = useMemo(() => ({ shown, show: setShown, selectionChanged }), [shown, selectionChanged]);
  return <ProductGalleryContext value={value}>{children}</ProductGalleryContext>;
}

/** The shared gallery state, or null outside a `ProductGalleryProvider`. */
export function useProductGallery(): ProductGalleryState | null {
  return useContext(ProductGalleryContext);
}
