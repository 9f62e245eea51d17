import { describe, expect, it } from "vitest";
import { imageForChange, imageOptionValues, thumbnailLabel } from "./gallery";

const options = [
  { name: "Size", values: ["S", "M", "L"] },
  { name: "Colour", values: ["Navy", "Sand", "Burgundy"] },
];
// as the demo data writes them: "{title} in {colour}", one image per colour
const images = [{ alt: "Everyday Linen Shirt in navy" }, { alt: "Everyday Linen Shirt in sand" }, { alt: "Everyday Linen Shirt in burgundy" }];

describe("imageOptionValues", () => {
  it("reads the colour an image shows from its alt text, in any case", () => {
    expect(imageOptionValues(images, options)).toEqual([{ Colour: "Navy" }, { Colour: "Sand" }, { Colour: "Burgundy" }]);
  });

  it("matches whole words only: a size letter inside a word or after an apostrophe is no size", () => {
    const alts = [{ alt: "Men's shirt, small" }, { alt: "Lamp on a desk" }];
    expect(imageOptionValues(alts, options)).toEqual([{}, {}]);
    expect(imageOptionValues([{ alt: "Shirt in size M, navy" }, { alt: "Shirt, sand" }], options)).toEqual([{ Size: "M", Colour: "Navy" }, { Colour: "Sand" }]);
  });

  it("ignores a value every image names (a colour in the title) and an image naming two values", () => {
    const navyTitle = [{ alt: "Navy Club Jacket in sand" }, { alt: "Navy Club Jacket in burgundy" }, { alt: "Navy Club Jacket, sand and burgundy" }];
    expect(imageOptionValues(navyTitle, options)).toEqual([{ Colour: "Sand" }, { Colour: "Burgundy" }, {}]);
  });

  it("prefers the longer of two values that contain each other", () => {
    const blues = [{ name: "Colour", values: ["Blue", "Light blue"] }];
    expect(imageOptionValues([{ alt: "Scarf in light blue" }, { alt: "Scarf in blue" }], blues)).toEqual([{ Colour: "Light blue" }, { Colour: "Blue" }]);
  });

  it("has nothing to say without alt texts", () => {
    expect(imageOptionValues([{ alt: "" }, { alt: "" }], options)).toEqual([{}, {}]);
    expect(imageOptionValues([], options)).toEqual([]);
  });
});

describe("imageForChange", () => {
  const values = imageOptionValues(images, options);

  it("shows the chosen colour's image", () => {
    expect(imageForChange(values, { Size: "M", Colour: "Navy" }, { Size: "M", Colour: "Burgundy" }, 0)).toBe(2);
    expect(imageForChange(values, { Size: "M", Colour: "Burgundy" }, { Size: "S", Colour: "Sand" }, 2)).toBe(1);
  });

  it("keeps the image shown when only a size changed, or the shown image already fits", () => {
    expect(imageForChange(values, { Size: "M", Colour: "Navy" }, { Size: "L", Colour: "Navy" }, 1)).toBeNull();
    expect(imageForChange(values, { Size: "M", Colour: "Navy" }, { Size: "M", Colour: "Sand" }, 1)).toBeNull();
    // a second shot of the same colour stays
    const twoSand = imageOptionValues([...images, { alt: "Everyday Linen Shirt in sand, detail" }], options);
    expect(imageForChange(twoSand, { Colour: "Navy" }, { Colour: "Sand" }, 3)).toBeNull();
    expect(imageForChange(twoSand, { Colour: "Navy" }, { Colour: "Sand" }, 0)).toBe(1);
  });

  it("keeps the image shown when no image shows the chosen value", () => {
    const two = imageOptionValues(images.slice(0, 2), options);
    expect(imageForChange(two, { Colour: "Navy" }, { Colour: "Burgundy" }, 1)).toBeNull();
    expect(imageForChange([{}, {}], { Colour: "Navy" }, { Colour: "Sand" }, 0)).toBeNull();
  });
});

describe("thumbnailLabel", () => {
  it("says which image of how many, and what it shows", () => {
    expect(thumbnailLabel(1, 4, "Linen shirt in navy")).toBe("Show image 2 of 4: Linen shirt in navy");
    expect(thumbnailLabel(0, 3, "  ")).toBe("Show image 1 of 3");
    expect(thumbnailLabel(0, 3)).toBe("Show image 1 of 3");
  });
});
