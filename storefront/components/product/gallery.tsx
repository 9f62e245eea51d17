"use client";

import Image from "next/image";
import { useState } from "react";
import type { Schema } from "@/lib/api/types";
import { thumbnailLabel } from "@/lib/catalog/gallery";
import { useProductGallery } from "./product-gallery-state";

type ImageRead = Schema<"ImageRead">;

/**
 * Product images: one large (the first until the shopper chooses; LCP, priority) and, when there
 * are several, a row of thumbnail buttons that show theirs large (`aria-pressed` on the one
 * shown). Inside a `ProductGalleryProvider` the variant picker can switch the image too.
 * Every box has a fixed aspect ratio, so switching never moves the page.
 */
export function Gallery({ images, title }: { images: ImageRead[]; title: string }) {
  const shared = useProductGallery();
  const [ownShown, setOwnShown] = useState(0);
  const shown = shared ? shared.shown : ownShown;
  const show = shared ? shared.show : setOwnShown;
  const index = shown >= 0 && shown < images.length ? shown : 0;
  const main = images[index];
  if (!main) {
    return <div className="aspect-square rounded-lg bg-gray-100" role="img" aria-label={`No image of ${title}`} />;
  }
  return (
    <div className="space-y-3">
      <div className="aspect-square overflow-hidden rounded-lg bg-gray-100">
        <Image
          src={main.url}
          alt={main.alt || title}
          width={main.width ?? 800}
          height={main.height ?? 800}
          sizes="(min-width: 1280px) 600px, (min-width: 1024px) 50vw, 100vw"
          priority
          unoptimized
          className="h-full w-full object-cover"
        />
      </div>
      {images.length > 1 ? (
        <ul className="grid grid-cols-4 gap-3" aria-label="Product images">
          {images.map((img, i) => (
            <li key={`${i}:${img.url}`}>
              <button
                type="button"
                aria-label={thumbnailLabel(i, images.length, img.alt || title)}
                aria-pressed={i === index}
                onClick={() => show(i)}
                className="block aspect-square w-full cursor-pointer overflow-hidden rounded-md bg-gray-100 ring-1 ring-gray-200 ring-offset-2 aria-pressed:ring-2 aria-pressed:ring-brand-600"
              >
                {/* named by the button's label */}
                <Image
                  src={img.url}
                  alt=""
                  width={img.width ?? 200}
                  height={img.height ?? 200}
                  sizes="(min-width: 1024px) 140px, 25vw"
                  unoptimized
                  className="h-full w-full object-cover"
                />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
