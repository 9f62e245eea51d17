"use server";
/**
 * Server actions of the account area (use with `useActionState(action, initialFormState)`).
 * They call the API with the shopper's token (`sessionApi()`), turn problems into form states
 * (field errors, retry times) and never return a token. proxy.ts CSRF-checks every call.
 */
import { redirect, unstable_rethrow } from "next/navigation";
import { revalidatePath } from "next/cache";
import { asProblem, bearerApi } from "@/lib/api/client";
import type { Problem, TokenResponse } from "@/lib/api/types";
import { clearCartId, getCartId, setCartId } from "@/lib/cart/server";
import { sessionApi } from "@/lib/session/api";
import { clearTokens, writeTokens } from "@/lib/session/cookies";
import { safeRedirectPath } from "@/lib/url/safe-redirect";
import { addressFields } from "./address-form";
import { confirmsDeletion } from "./confirm";
import { problemState, type FormState } from "./problems";

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

function failed(error: unknown, response: Response, values?: Record<string, string>): FormState {
  return problemState(asProblem(error, response.status), response.headers.get("Retry-After"), values);
}

/**
 * A password the API refused as too easy to guess (`weak_password` names no field in `errors[]`):
 * the reason is shown at the password field, marked invalid, as a too-short one is.
 */
function atPasswordField(state: FormState, name: string): FormState {
  if (state.code !== "weak_password" || !state.message) return state;
  return { ...state, message: "Please correct the highlighted fields.", fieldErrors: { ...state.fieldErrors, [name]: state.message } };
}

const unreachable: FormState = {
  status: "error",
  code: "unreachable",
  message: "We could not reach the shop right now. Check your connection and try again.",
};

/** Runs an action body; a lost connection to the API becomes a message instead of an error page. */
async function guarded(run: () => Promise<FormState>): Promise<FormState> {
  try {
    return await run();
  } catch (error) {
    unstable_rethrow(error); // redirect() and other Next control flow
    return unreachable;
  }
}

const signedOut: FormState = { status: "error", code: "not_authenticated", message: "Your session has ended. Please sign in again." };

/** After sign-in: merge the guest cart into the customer's cart (as lib/session/actions.ts does). */
async function mergeGuestCart(tokens: TokenResponse): Promise<void> {
  const guestCart = await getCartId();
  if (!guestCart) return;
  const { data } = await bearerApi(tokens.access_token).POST("/api/v1/carts/{cart_id}/merge", {
    params: { path: { cart_id: guestCart } },
  });
  if (data) await setCartId(data.id);
  else await clearCartId();
}

type TokenResult = { tokens: TokenResponse } | { problem: Problem; retryAfter: string | null };

async function passwordGrant(email: string, password: string): Promise<TokenResult> {
  const { data, error, response } = await bearerApi(null).POST("/api/v1/auth/token", {
    body: { username: email, password, grant_type: "password", scope: "" },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (data) return { tokens: data };
  return { problem: asProblem(error, response.status), retryAfter: response.headers.get("Retry-After") };
}

/** Fields: email, password, next. Shows the throttle's retry time; redirects to `next`. */
export async function signInAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => signInActionBody(form));
}

async function signInActionBody(form: FormData): Promise<FormState> {
  const email = field(form, "email").trim();
  const password = field(form, "password");
  const values = { email };
  const fieldErrors: Record<string, string> = {};
  if (!email) fieldErrors.email = "Enter your email address.";
  if (!password) fieldErrors.password = "Enter your password.";
  if (Object.keys(fieldErrors).length) return { status: "error", message: "Enter your email and password.", fieldErrors, values };
  const result = await passwordGrant(email, password);
  if ("problem" in result) return problemState(result.problem, result.retryAfter, values);
  await writeTokens(result.tokens);
  await mergeGuestCart(result.tokens);
  redirect(safeRedirectPath(field(form, "next"), "/account"));
}

/** Fields: full_name, email, password, marketing_consent ("on"), next. Signs in afterwards. */
export async function registerAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => registerActionBody(form));
}

async function registerActionBody(form: FormData): Promise<FormState> {
  const email = field(form, "email").trim();
  const password = field(form, "password");
  const full_name = field(form, "full_name").trim();
  const values = { email, full_name, marketing_consent: field(form, "marketing_consent") };
  const { error, response } = await bearerApi(null).POST("/api/v1/auth/register", {
    body: { email, password, full_name, marketing_consent: field(form, "marketing_consent") === "on", locale: "en" },
  });
  if (error) {
    const state = failed(error, response, values);
    if (state.code === "email_taken") {
      return { ...state, message: "An account with this email already exists. Sign in or reset your password.", fieldErrors: { email: "This email is already registered." } };
    }
    return atPasswordField(state, "password");
  }
  const result = await passwordGrant(email, password);
  if ("problem" in result) return problemState(result.problem, result.retryAfter, values);
  await writeTokens(result.tokens);
  await mergeGuestCart(result.tokens);
  redirect(safeRedirectPath(field(form, "next"), "/account?welcome=1"));
}

/** Field: token (from the emailed link). */
export async function verifyEmailAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => verifyEmailActionBody(form));
}

async function verifyEmailActionBody(form: FormData): Promise<FormState> {
  const { data, error, response } = await bearerApi(null).POST("/api/v1/auth/verify-email", {
    body: { token: field(form, "token") },
  });
  if (data) return { status: "success", message: `Thank you: ${data.email} is verified.` };
  if (response.status === 409) return { status: "success", message: "Your email address is already verified." };
  return failed(error, response);
}

export async function resendVerificationAction(): Promise<FormState> {
  return guarded(() => resendVerificationActionBody());
}

async function resendVerificationActionBody(): Promise<FormState> {
  const api = await sessionApi();
  const { error, response } = await api.POST("/api/v1/auth/verify-email/resend");
  if (response.status === 401) return signedOut;
  if (response.status === 409) return { status: "success", message: "Your email address is already verified." };
  if (error) return failed(error, response);
  return { status: "success", message: "We sent a new verification link. Check your inbox." };
}

/** Field: email. The same answer whether or not the account exists. */
export async function forgotPasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => forgotPasswordActionBody(form));
}

async function forgotPasswordActionBody(form: FormData): Promise<FormState> {
  const email = field(form, "email").trim();
  if (!email) return { status: "error", message: "Enter your email address.", fieldErrors: { email: "Enter your email address." } };
  // the API accepts any text here (and answers as if it sent a link): a typo without @ is said so
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    return { status: "error", message: "Enter a valid email address.", fieldErrors: { email: "Enter a valid email address." }, values: { email } };
  }
  const { error, response } = await bearerApi(null).POST("/api/v1/auth/password-reset", { body: { email } });
  if (error) return failed(error, response, { email });
  return {
    status: "success",
    message: `If an account exists for ${email}, we sent it a link to choose a new password. Check your inbox.`,
    values: { email },
  };
}

/** Fields: token, new_password, confirm_password. All sessions end; the shopper signs in again. */
export async function resetPasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => resetPasswordActionBody(form));
}

async function resetPasswordActionBody(form: FormData): Promise<FormState> {
  const new_password = field(form, "new_password");
  if (new_password !== field(form, "confirm_password")) {
    return { status: "error", message: "The passwords do not match.", fieldErrors: { confirm_password: "The passwords do not match." } };
  }
  const { error, response } = await bearerApi(null).POST("/api/v1/auth/password-reset/confirm", {
    body: { token: field(form, "token"), new_password },
  });
  if (error) return atPasswordField(failed(error, response), "new_password");
  await clearTokens(); // the API signed out every session of this account
  return { status: "success", message: "Your password has been changed. Sign in with your new password." };
}

/** Fields: full_name, marketing_consent ("on"). */
export async function updateProfileAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => updateProfileActionBody(form));
}

async function updateProfileActionBody(form: FormData): Promise<FormState> {
  const api = await sessionApi();
  const full_name = field(form, "full_name").trim();
  const values = { full_name, marketing_consent: field(form, "marketing_consent") };
  const { error, response } = await api.PATCH("/api/v1/me", {
    body: { full_name, marketing_consent: field(form, "marketing_consent") === "on" },
  });
  if (response.status === 401) return signedOut;
  if (error) return failed(error, response, values);
  revalidatePath("/account", "layout");
  return { status: "success", message: "Your profile has been saved.", values };
}

/** Fields: current_password, new_password, confirm_password. Other sessions are signed out. */
export async function changePasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => changePasswordActionBody(form));
}

async function changePasswordActionBody(form: FormData): Promise<FormState> {
  const new_password = field(form, "new_password");
  if (new_password !== field(form, "confirm_password")) {
    return { status: "error", message: "The new passwords do not match.", fieldErrors: { confirm_password: "The passwords do not match." } };
  }
  const api = await sessionApi();
  const { error, response } = await api.POST("/api/v1/me/password", {
    body: { current_password: field(form, "current_password"), new_password },
  });
  if (response.status === 401) return signedOut;
  if (error) {
    const state = failed(error, response);
    if (state.code === "wrong_password") return { ...state, fieldErrors: { current_password: "This is not your current password." } };
    return atPasswordField(state, "new_password");
  }
  return { status: "success", message: "Your password has been changed. Other devices have been signed out." };
}

/** Address form fields (see address-form.ts); `id` present → update, else create. */
export async function saveAddressAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => saveAddressActionBody(form));
}

async function saveAddressActionBody(form: FormData): Promise<FormState> {
  const id = field(form, "id");
  const body = addressFields(form);
  const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
  const api = await sessionApi();
  const { error, response } = id
    ? await api.PATCH("/api/v1/me/addresses/{address_id}", { params: { path: { address_id: id } }, body })
    : await api.POST("/api/v1/me/addresses", { body });
  if (response.status === 401) return signedOut;
  if (error) return failed(error, response, values);
  revalidatePath("/account/addresses");
  redirect(`/account/addresses?saved=${id ? "updated" : "added"}`);
}

/** Field: id. */
export async function deleteAddressAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => deleteAddressActionBody(form));
}

async function deleteAddressActionBody(form: FormData): Promise<FormState> {
  const api = await sessionApi();
  const { error, response } = await api.DELETE("/api/v1/me/addresses/{address_id}", {
    params: { path: { address_id: field(form, "id") } },
  });
  if (response.status === 401) return signedOut;
  if (error && response.status !== 404) return failed(error, response);
  revalidatePath("/account/addresses");
  redirect("/account/addresses?saved=deleted");
}

/** Field: confirm (must be the word DELETE, in capitals). Closes the account at the API, then signs out. */
export async function deleteAccountAction(_prev: FormState, form: FormData): Promise<FormState> {
  return guarded(() => deleteAccountActionBody(form));
}

async function deleteAccountActionBody(form: FormData): Promise<FormState> {
  const typed = field(form, "confirm");
  if (!confirmsDeletion(typed)) {
    const message = "Type DELETE in capital letters to confirm.";
    return { status: "error", message, fieldErrors: { confirm: message }, values: { confirm: typed } };
  }
  const api = await sessionApi();
  const { error, response } = await api.DELETE("/api/v1/me");
  if (response.status === 401) return signedOut;
  if (error) return failed(error, response);
  await clearTokens();
  await clearCartId();
  redirect("/account/sign-in?deleted=1");
}
