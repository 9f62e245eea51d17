import { describe, expect, it } from "vitest";
import corpus from "./xss-corpus.json";
import { decodeEntities, isSafeHref, isSafeImageSrc } from "./safe-href";

describe("isSafeHref", () => {
  it.each(corpus.unsafe_hrefs)("refuses %j", (href) => expect(isSafeHref(href)).toBe(false));
  it.each(corpus.safe_hrefs)("allows %j", (href) => expect(isSafeHref(href)).toBe(true));
  it("refuses non-strings and empty values", () => {
    for (const value of [undefined, null, 1, {}, "", "x".repeat(3000)]) expect(isSafeHref(value)).toBe(false);
  });
  it("decodes the entities that can spell a scheme", () => {
    expect(decodeEntities("&#106;&#x61;v&colon;")).toBe("jav:");
  });
});

describe("isSafeImageSrc", () => {
  it("allows our media and https only", () => {
    expect(isSafeImageSrc("/media/content/a.svg")).toBe(true);
    expect(isSafeImageSrc("https://cdn.sanity.io/images/p/d/a.png")).toBe(true);
    for (const bad of ["//evil/x.png", "http://x/y.png", "javascript:alert(1)", "data:image/png;base64,AA"]) expect(isSafeImageSrc(bad)).toBe(false);
  });
});
