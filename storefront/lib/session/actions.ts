"use server";
/**
 * Auth server actions shared by the account pages, checkout and the header. Use them with
 * `useActionState(signIn, initialAuthState)` in a client form, or as a plain `<form action>`.
 * Next checks Origin against Host for every server action; proxy.ts refuses cross-site POSTs too.
 * Tokens go straight from the API response into httpOnly cookies and are never returned.
 */
import { redirect } from "next/navigation";
import { bearerApi, asProblem, problemMessage } from "@/lib/api/client";
import type { Problem, TokenResponse } from "@/lib/api/types";
import { fieldErrorsOf } from "@/lib/account/problems";
import { clearCartId, getCartId, setCartId } from "@/lib/cart/server";
import { safeRedirectPath } from "@/lib/url/safe-redirect";
import { clearTokens, readTokens, writeTokens } from "./cookies";
import type { AuthState } from "./auth-state";

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

function failure(problem: Problem): AuthState {
  return { status: "error", message: problemMessage(problem), code: problem.code, fieldErrors: fieldErrorsOf(problem) };
}

/** After sign-in: merge the guest cart into the customer's cart and keep the result. */
async function mergeGuestCart(tokens: TokenResponse): Promise<void> {
  const guestCart = await getCartId();
  if (!guestCart) return;
  const { data } = await bearerApi(tokens.access_token).POST("/api/v1/carts/{cart_id}/merge", {
    params: { path: { cart_id: guestCart } },
  });
  if (data) await setCartId(data.id);
  else await clearCartId(); // the guest cart is gone or not mergeable; the customer's cart will be used
}

type SignInResult = { ok: true; tokens: TokenResponse } | { ok: false; problem: Problem };

async function passwordSignIn(email: string, password: string): Promise<SignInResult> {
  const { data, error, response } = await bearerApi(null).POST("/api/v1/auth/token", {
    body: { username: email, password, grant_type: "password", scope: "" },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  return data ? { ok: true, tokens: data } : { ok: false, problem: asProblem(error, response.status) };
}

/** Form fields: email, password, next (optional path to go to afterwards). */
export async function signIn(_prev: AuthState, form: FormData): Promise<AuthState> {
  const email = field(form, "email").trim();
  const password = field(form, "password");
  if (!email || !password) return { status: "error", message: "Enter your email and password.", values: { email } };
  const result = await passwordSignIn(email, password);
  if (!result.ok) return { ...failure(result.problem), values: { email } };
  await writeTokens(result.tokens);
  await mergeGuestCart(result.tokens);
  redirect(safeRedirectPath(field(form, "next"), "/account"));
}

/** Form fields: email, password, full_name, marketing_consent ("on"), next. Signs in afterwards. */
export async function register(_prev: AuthState, form: FormData): Promise<AuthState> {
  const email = field(form, "email").trim();
  const password = field(form, "password");
  const { error, response } = await bearerApi(null).POST("/api/v1/auth/register", {
    body: {
      email,
      password,
      full_name: field(form, "full_name").trim(),
      marketing_consent: field(form, "marketing_consent") === "on",
      locale: "en",
    },
  });
  const values = { email, full_name: field(form, "full_name") };
  if (error) return { ...failure(asProblem(error, response.status)), values };
  const result = await passwordSignIn(email, password);
  if (!result.ok) return { ...failure(result.problem), values };
  await writeTokens(result.tokens);
  await mergeGuestCart(result.tokens);
  redirect(safeRedirectPath(field(form, "next"), "/account"));
}

/** Revokes the refresh token at the API, clears the cookies (the cart cookie too) and goes home. */
export async function signOut(): Promise<void> {
  const { refresh } = await readTokens();
  if (refresh) {
    try {
      await bearerApi(null).POST("/api/v1/auth/logout", { body: { refresh_token: refresh } });
    } catch {
      // API unreachable: the cookies are cleared anyway; the token expires on its own
    }
  }
  await clearTokens();
  await clearCartId(); // the customer's cart is private to them
  redirect("/");
}
