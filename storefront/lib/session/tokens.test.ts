import { describe, expect, it } from "vitest";
import { cookieNames, cookieOptions, jwtExpiry, needsRefresh } from "./tokens";

function jwt(claims: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "EdDSA", typ: "JWT" })}.${enc(claims)}.c2ln`;
}

describe("cookieNames", () => {
  it("uses __Host- names only over https", () => {
    expect(cookieNames(true)).toEqual({
      access: "__Host-mercato_at",
      refresh: "__Host-mercato_rt",
      cart: "__Host-mercato_cart",
    });
    expect(cookieNames(false).access).toBe("mercato_at");
  });
});

describe("cookieOptions", () => {
  it("is httpOnly, Lax, path / and Secure as asked", () => {
    expect(cookieOptions(true, 900.7)).toEqual({ httpOnly: true, sameSite: "lax", secure: true, path: "/", maxAge: 900 });
    expect(cookieOptions(false, -5).maxAge).toBe(0);
  });
});

describe("jwtExpiry / needsRefresh", () => {
  it("reads exp from the payload", () => {
    expect(jwtExpiry(jwt({ exp: 1700000000, sub: "x" }))).toBe(1700000000);
  });
  it("returns null for garbage", () => {
    expect(jwtExpiry("nope")).toBeNull();
    expect(jwtExpiry("a.%%%.c")).toBeNull();
    expect(jwtExpiry(jwt({ sub: "x" }))).toBeNull();
  });
  it("refreshes when missing, unreadable or about to expire", () => {
    const now = 1_000_000;
    expect(needsRefresh(undefined, now)).toBe(true);
    expect(needsRefresh("garbage", now)).toBe(true);
    expect(needsRefresh(jwt({ exp: now + 10 }), now)).toBe(true);
    expect(needsRefresh(jwt({ exp: now + 600 }), now)).toBe(false);
  });
});
