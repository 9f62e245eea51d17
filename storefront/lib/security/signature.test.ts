import { describe, expect, it } from "vitest";
import { computeSignature, signBody, verifySignature } from "./signature";

const body = '{"tags":["products"]}';
const secret = "s3cret";
const now = 1_800_000_000;

describe("verifySignature", () => {
  it("accepts a fresh signature of the exact body", () => {
    expect(verifySignature(signBody(body, secret, now), body, secret, now)).toBe(true);
  });
  it("matches the API's scheme (HMAC-SHA256 of '<t>.<body>', hex)", () => {
    // known answer from Python: hmac.new(b"k", b"1.{}", hashlib.sha256).hexdigest()
    expect(computeSignature("{}", "k", 1)).toBe("3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158");
  });
  it("refuses another body, another secret, an old timestamp or garbage", () => {
    const header = signBody(body, secret, now);
    expect(verifySignature(header, body + " ", secret, now)).toBe(false);
    expect(verifySignature(header, body, "other", now)).toBe(false);
    expect(verifySignature(header, body, secret, now + 301)).toBe(false);
    for (const bad of [null, "", "t=1", "v1=abc", `t=${now},v1=zz`, "x".repeat(2000)]) {
      expect(verifySignature(bad, body, secret, now)).toBe(false);
    }
  });
});
