import { describe, expect, it } from "vitest";
import { unwrapDeadLinks } from "./links";

describe("unwrapDeadLinks", () => {
  it("keeps http(s) links and turns anchors without an href into their text", () => {
    const html =
      '<p>New coat! <a rel="nofollow noopener noreferrer">see photo</a> and <a href="https://shop.example/p/coat" rel="nofollow noopener noreferrer">the coat</a></p>';
    expect(unwrapDeadLinks(html)).toBe(
      '<p>New coat! see photo and <a href="https://shop.example/p/coat" rel="nofollow noopener noreferrer">the coat</a></p>',
    );
    expect(unwrapDeadLinks('<a href="">x</a><a href="/relative">y</a><A>z</A>')).toBe("xyz");
  });
});
