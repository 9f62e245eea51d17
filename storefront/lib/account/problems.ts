/**
 * Pure helpers that turn the API's problem documents into what the account forms show:
 * a message, field errors next to the fields (from `errors[].loc`), and a retry time for 429s.
 */
import type { Problem } from "@/lib/api/types";

export interface FormState {
  status: "idle" | "error" | "success";
  message?: string;
  /** the API's problem `code`, e.g. `invalid_credentials`, `email_taken`, `rate_limited` */
  code?: string;
  /** form field name → message shown next to the field */
  fieldErrors?: Record<string, string>;
  /** non-secret values echoed back so the form can refill them after React resets it */
  values?: Record<string, string>;
}

export const initialFormState: FormState = { status: "idle" };

/** API field names that the forms call differently. */
const FIELD_ALIASES: Record<string, string> = { username: "email" };

/** A friendlier wording of pydantic's messages ("String should have at least 8 characters"). */
export function fieldMessage(msg: string | undefined): string {
  if (!msg) return "This value is not valid.";
  const min = /^String should have at least (\d+) characters?$/.exec(msg);
  if (min) return min[1] === "1" ? "This field is required." : `Use at least ${min[1]} characters.`;
  const max = /^String should have at most (\d+) characters?$/.exec(msg);
  if (max) return `Use at most ${max[1]} characters.`;
  if (/valid email address/i.test(msg)) return "Enter a valid email address.";
  if (msg === "Field required") return "This field is required.";
  if (/^String should match pattern/.test(msg)) return "This value has characters that are not allowed.";
  return msg.replace(/^Value error, /, "");
}

/** `loc` parts that say where a value came from, not which field it is. */
const NOT_A_FIELD = new Set(["body", "query", "path", "header", "cookie"]);

/** The field an error is about: the last name in its `loc` (`["body", "variants", 0, "sku"]` → `sku`), or null. */
function fieldOf(loc: ReadonlyArray<string | number> | undefined): string | null {
  const names = (loc ?? []).filter((part): part is string => typeof part === "string");
  const last = names[names.length - 1];
  return last && !NOT_A_FIELD.has(last) ? last : null;
}

/** The text with a full stop, unless it already ends a sentence. */
function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** "ends_at must be after starts_at" → "Ends_at must be after starts_at." (a sentence for the summary). */
function sentence(msg: string): string {
  const text = msg.trim();
  return withStop(`${text.charAt(0).toUpperCase()}${text.slice(1)}`);
}

/**
 * field name → first message, from the problem's `errors[]` (the last name in `loc` names the
 * field; `aliases` renames API fields to the form's, e.g. `{ on_hand: "quantity" }`).
 */
export function fieldErrorsOf(problem: Problem, aliases: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const err of problem.errors ?? []) {
    const field = fieldOf(err.loc);
    if (!field) continue;
    const key = aliases[field] ?? FIELD_ALIASES[field] ?? field;
    if (!out[key]) out[key] = fieldMessage(err.msg);
  }
  return out;
}

/** The messages of `errors[]` about the request as a whole (`loc: ["body"]`), as sentences. */
export function formErrorsOf(problem: Problem): string[] {
  const out: string[] = [];
  for (const err of problem.errors ?? []) {
    if (fieldOf(err.loc)) continue;
    const text = sentence(fieldMessage(err.msg));
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** "postal_code" → "Postal code" (an API field name as a shopper reads it). */
export function fieldLabel(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/** What a shopper is told when a problem says nothing they can read. */
export const GENERIC_PROBLEM_MESSAGE = "Something went wrong. Please try again.";

/** The API's pointer to its `errors` array at the end of a detail ("…; see `errors`."). */
const ERRORS_POINTER = /[\s;,:(-]*see\s+`?errors`?\)?\.?/i;

/**
 * What to tell a person about a problem: its detail (else its title), or undefined when it has
 * neither, so each caller picks its own fallback (usually `GENERIC_PROBLEM_MESSAGE`).
 *
 * The API's validation details point at its `errors` array ("The address is invalid; see
 * `errors`."): that pointer is replaced with the errors themselves, each named by its field
 * ("The address is invalid. Postal code: Not a valid postal code for DE."). The text never says
 * "see `errors`".
 */
export function readableProblem(problem: Problem): string | undefined {
  const detail = problem.detail || problem.title || undefined;
  if (!detail || !ERRORS_POINTER.test(detail)) return detail;
  const base = detail.replace(ERRORS_POINTER, "").trim();
  const messages: string[] = [];
  for (const err of problem.errors ?? []) {
    const last = err.loc?.[err.loc.length - 1];
    const named = typeof last === "string" && last !== "body";
    const text = named ? withStop(`${fieldLabel(FIELD_ALIASES[last] ?? last)}: ${fieldMessage(err.msg)}`) : sentence(fieldMessage(err.msg));
    if (!messages.includes(text)) messages.push(text);
  }
  return [base ? withStop(base) : "Please check what you entered.", ...messages].join(" ");
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null | undefined, now: number = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** "in 45 seconds", "in 2 minutes", "in 1 hour" (rounded up so the shopper never retries too early). */
export function humanizeWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `in ${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `in ${m} minute${m === 1 ? "" : "s"}`;
  const h = Math.ceil(m / 60);
  return `in ${h} hour${h === 1 ? "" : "s"}`;
}

/**
 * The form state for a failed API call. A 422 with `errors[]` points at the fields (renamed by
 * `aliases`); errors about the request as a whole go into the message with their text.
 */
export function problemState(
  problem: Problem,
  retryAfter: string | null | undefined,
  values?: Record<string, string>,
  aliases?: Record<string, string>,
): FormState {
  const fieldErrors = fieldErrorsOf(problem, aliases);
  const formErrors = formErrorsOf(problem);
  let message: string;
  if (problem.status === 429 || problem.code === "rate_limited") {
    const wait = retryAfterSeconds(retryAfter);
    const base = problem.detail || "Too many attempts.";
    message = wait === null ? base : `${base.replace(/[;.]?\s*try again later\.?$/i, ".")} Try again ${humanizeWait(wait)}.`;
  } else if (Object.keys(fieldErrors).length > 0) {
    message = ["Please correct the highlighted fields.", ...formErrors].join(" ");
  } else if (formErrors.length > 0) {
    message = formErrors.join(" ");
  } else {
    // no errors[] left to show (every one is a field's or the summary's above)
    message = readableProblem(problem) ?? GENERIC_PROBLEM_MESSAGE;
  }
  return { status: "error", message, code: problem.code, fieldErrors, values };
}
