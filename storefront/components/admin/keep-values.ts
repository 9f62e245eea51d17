"use client";
import { useLayoutEffect, useRef, type FormEvent } from "react";
import type { FormState } from "@/lib/account/problems";
import { restoreFields, type FieldLike } from "@/lib/forms/keep-values";

/**
 * Keeps what was typed and chosen in a form after its action failed (React resets the form
 * after every action). Spread the result on the `<form>`: `<form action={a} {...keep}>`.
 * The values are put back in a layout effect, which runs after React's reset.
 */
export function useKeepValuesOnError(state: FormState) {
  const ref = useRef<HTMLFormElement>(null);
  const sent = useRef<FormData | null>(null);
  useLayoutEffect(() => {
    const form = ref.current;
    if (state.status !== "error" || !form || !sent.current) return;
    restoreFields(Array.from(form.elements) as unknown as FieldLike[], sent.current);
  }, [state]);
  return {
    ref,
    onSubmit: (event: FormEvent<HTMLFormElement>) => {
      sent.current = new FormData(event.currentTarget);
    },
  };
}
