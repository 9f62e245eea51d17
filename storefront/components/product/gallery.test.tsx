/**
 * The product gallery as the server renders it: the first image large, thumbnail buttons named
 * by position and alt text, the first one pressed (the browser test clicks them: e2e/gallery.spec.ts).
 */
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { imageOptionValues } from "@/lib/catalog/gallery";
import { Gallery } from "./gallery";
import { ProductGalleryProvider } from "./product-gallery-state";

const images = ["navy", "sand", "burgundy"].map((colour, position) => ({
  url: `/media/demo/shirt-${colour}.svg`,
  alt: `Everyday Linen Shirt in ${colour}`,
  position,
  width: 600,
  height: 720,
}));

function imgs(html: string): { alt: string; src: string }[] {
  return [...html.matchAll(/<img\b[^>]*>/g)].map((m) => ({ alt: /\balt="([^"]*)"/.exec(m[0])?.[1] ?? "", src: /\bsrc="([^"]*)"/.exec(m[0])?.[1] ?? "" }));
}

function buttons(html: string): { label: string; pressed: string }[] {
  return [...html.matchAll(/<button\b[^>]*>/g)].map((m) => ({
    label: /\baria-label="([^"]*)"/.exec(m[0])?.[1] ?? "",
    pressed: /\baria-pressed="([^"]*)"/.exec(m[0])?.[1] ?? "",
  }));
}

describe("Gallery (server render)", () => {
  it("shows the first image large and every image as a thumbnail button, the first pressed", () => {
    const html = renderToStaticMarkup(
      <ProductGalleryProvider imageValues={imageOptionValues(images, [{ name: "Colour", values: ["Navy", "Sand", "Burgundy"] }])}>
        <Gallery images={images} title="Everyday Linen Shirt" />
      </ProductGalleryProvider>,
    );
    const [main, ...thumbs] = imgs(html);
    expect(main).toEqual({ alt: "Everyday Linen Shirt in navy", src: "/media/demo/shirt-navy.svg" });
    // thumbnails are named by their button, not read twice
    expect(thumbs.map((t) => t.alt)).toEqual(["", "", ""]);
    expect(buttons(html)).toEqual([
      { label: "Show image 1 of 3: Everyday Linen Shirt in navy", pressed: "true" },
      { label: "Show image 2 of 3: Everyday Linen Shirt in sand", pressed: "false" },
      { label: "Show image 3 of 3: Everyday Linen Shirt in burgundy", pressed: "false" },
    ]);
    expect(html).toContain('type="button"');
  });

  it("works without the provider, has no thumbnails for one image and a placeholder for none", () => {
    expect(buttons(renderToStaticMarkup(<Gallery images={images} title="Shirt" />))).toHaveLength(3);
    const one = renderToStaticMarkup(<Gallery images={[{ ...images[0]!, alt: "" }]} title="Shirt" />);
    expect(imgs(one)).toEqual([{ alt: "Shirt", src: "/media/demo/shirt-navy.svg" }]);
    expect(buttons(one)).toEqual([]);
    expect(renderToStaticMarkup(<Gallery images={[]} title="Shirt" />)).toContain('aria-label="No image of Shirt"');
  });
});
