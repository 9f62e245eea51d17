"use client";
import { useActionState } from "react";
import { signIn } from "@/lib/session/actions";
import { initialAuthState } from "@/lib/session/auth-state";

/** Phase-1 sign-in form (phase 2 restyles it and adds register / forgot password links). */
export function SignInForm({ next }: { next?: string }) {
  const [state, action, pending] = useActionState(signIn, initialAuthState);
  return (
    <form action={action} className="space-y-4" noValidate>
      {state.status === "error" ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      ) : null}
      <input type="hidden" name="next" value={next ?? "/account"} />
      <div>
        <label htmlFor="email" className="block text-sm font-medium">Email</label>
        <input id="email" name="email" type="email" autoComplete="email" required defaultValue={state.values?.email} className="mt-1 w-full rounded-md border border-gray-300 px-3 py-2" />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className="mt-1 w-full rounded-md border border-gray-300 px-3 py-2" />
      </div>
      <button type="submit" disabled={pending} className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60">
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
