import Image from "next/image";
import type { Schema } from "@/lib/api/types";

type ImageRead = Schema<"ImageRead">;

/** Product images: the first large (LCP, priority), the others as a grid below it. */
export function Gallery({ images, title }: { images: ImageRead[]; title: string }) {
  const [main, ...rest] = images;
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
      {rest.length > 0 ? (
        <ul className="grid grid-cols-4 gap-3" aria-label="More images">
          {rest.map((img) => (
            <li key={img.url} className="aspect-square overflow-hidden rounded-md bg-gray-100">
              <Image
                src={img.url}
                alt={img.alt || title}
                width={img.width ?? 200}
                height={img.height ?? 200}
                sizes="(min-width: 1024px) 140px, 25vw"
                unoptimized
                className="h-full w-full object-cover"
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
