/**
 * Portable Text bodies from the CMS, rendered with @portabletext/react. Untrusted data: text is
 * rendered as React text (escaped), links only when `isSafeHref` allows them, images only from our
 * media or https, and unknown block types, marks and styles render nothing special (never HTML).
 */
import { PortableText, type PortableTextBlock, type PortableTextComponents } from "@portabletext/react";

import { isSafeHref, isSafeImageSrc } from "@/lib/content/safe-href";

interface ImageBlock {
  _type: "image";
  url?: unknown;
  alt?: unknown;
  width?: unknown;
  height?: unknown;
}

const components: PortableTextComponents = {
  types: {
    image: ({ value }: { value: ImageBlock }) => {
      if (!isSafeImageSrc(value.url)) return null;
      const width = typeof value.width === "number" ? value.width : undefined;
      const height = typeof value.height === "number" ? value.height : undefined;
      return (
        <figure className="my-6">
          {/* eslint-disable-next-line @next/next/no-img-element -- CMS images come with their own sizes */}
          <img src={value.url} alt={typeof value.alt === "string" ? value.alt : ""} width={width} height={height} loading="lazy" className="h-auto w-full rounded-lg" />
        </figure>
      );
    },
  },
  marks: {
    link: ({ value, children }) => {
      const href: unknown = (value as { href?: unknown } | undefined)?.href;
      if (!isSafeHref(href)) return <>{children}</>;
      const external = !(href.startsWith("/") && !href.startsWith("//"));
      return (
        <a href={href} rel={external ? "noopener noreferrer nofollow" : undefined} className="text-brand-700 underline hover:text-brand-900">
          {children}
        </a>
      );
    },
  },
  block: {
    normal: ({ children }) => <p className="my-4 leading-7">{children}</p>,
    h2: ({ children }) => <h2 className="mt-8 text-xl font-bold tracking-tight">{children}</h2>,
    h3: ({ children }) => <h3 className="mt-6 text-lg font-semibold">{children}</h3>,
    h4: ({ children }) => <h4 className="mt-4 font-semibold">{children}</h4>,
    blockquote: ({ children }) => <blockquote className="my-6 border-l-4 border-gray-300 pl-4 italic text-muted">{children}</blockquote>,
  },
  list: {
    bullet: ({ children }) => <ul className="my-4 list-disc space-y-1 pl-6">{children}</ul>,
    number: ({ children }) => <ol className="my-4 list-decimal space-y-1 pl-6">{children}</ol>,
  },
  unknownType: () => null,
  unknownMark: ({ children }) => <>{children}</>,
  unknownBlockStyle: ({ children }) => <p className="my-4 leading-7">{children}</p>,
  unknownList: ({ children }) => <ul className="my-4 list-disc pl-6">{children}</ul>,
  unknownListItem: ({ children }) => <li>{children}</li>,
};

/** Only arrays of objects with a string `_type` reach the renderer. */
export function toBlocks(value: unknown): PortableTextBlock[] {
  if (!Array.isArray(value)) return [];
  return value.filter((b): b is PortableTextBlock => !!b && typeof b === "object" && typeof (b as { _type?: unknown })._type === "string");
}

export function PortableTextBody({ value }: { value: unknown }) {
  return <PortableText value={toBlocks(value)} components={components} onMissingComponent={false} />;
}
