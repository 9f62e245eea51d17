/**
 * What cart and checkout server actions answer: the re-priced cart, or a shopper-readable failure
 * with the API's problem code. Plain data (serialisable across the server-action boundary).
 */
import { fieldErrorsOf, GENERIC_PROBLEM_MESSAGE, readableProblem } from "@/lib/account/problems";
import type { CartRead, Problem } from "@/lib/api/types";
import { limitMessage } from "./quantity";

export type ActionFailure = {
  ok: false;
  message: string;
  code: string;
  status?: number;
  /** field name (the last part of the API's `errors[].loc`) → message shown next to that field */
  fieldErrors?: Record<string, string>;
};
export type CartResult = { ok: true; cart: CartRead } | ActionFailure;

/** Shopper-facing wording for the problem codes the cart and checkout can answer. */
const MESSAGES: Record<string, string> = {
  product_unavailable: "That product is no longer available.",
  quantity_limit: "You cannot add more of that item.",
  too_many_lines: "Your cart is full: remove something first.",
  cart_not_open: "This cart has already been checked out.",
  cart_not_found: "Your cart has expired. Please add the items again.",
  cart_line_not_found: "That item is no longer in your cart.",
  insufficient_stock: "Sorry, an item in your cart has just sold out. Update your cart and try again.",
  request_in_progress: "Your order is already being processed. Wait a moment, then try again.",
  network: "The connection was lost. Check your connection and try again — you will not be charged twice.",
  unavailable: "The shop is busy right now. Please try again in a moment.",
};

export function messageFor(code: string, fallback?: string): string {
  return MESSAGES[code] ?? fallback ?? GENERIC_PROBLEM_MESSAGE;
}

/**
 * Turn an API problem into an action failure (our wording when we have one, else the API's).
 * Any problem with `errors[]` (`validation_error`, `invalid_address`, …) names its fields: they
 * come back as `fieldErrors`, and the message spells them out instead of "see `errors`".
 */
export function failureFrom(problem: Problem, status?: number): ActionFailure {
  const code = problem.code ?? (status && status >= 500 ? "unavailable" : "error");
  const detail = readableProblem(problem);
  const max = problem.max_quantity;
  if (code === "quantity_limit" && typeof max === "number") {
    return { ok: false, code, message: limitMessage(max), status: problem.status ?? status };
  }
  const message = code === "validation_error" || code === "error" ? detail || messageFor(code) : messageFor(code, detail);
  const fieldErrors = fieldErrorsOf(problem);
  const failure: ActionFailure = { ok: false, code, message, status: problem.status ?? status };
  if (Object.keys(fieldErrors).length > 0) failure.fieldErrors = fieldErrors;
  return failure;
}

export function networkFailure(): ActionFailure {
  return { ok: false, code: "network", message: messageFor("network") };
}
