/** The state returned by the auth server actions (usable with React's useActionState). */
export interface AuthState {
  status: "idle" | "error";
  message?: string;
  /** the API's problem `code`, e.g. `invalid_credentials`, `email_taken`, `too_many_attempts` */
  code?: string;
  /** field name → first validation message from the API's `errors` */
  fieldErrors?: Record<string, string>;
  /** non-secret fields echoed back so the form can refill them (React resets forms after actions) */
  values?: Record<string, string>;
}

export const initialAuthState: AuthState = { status: "idle" };
