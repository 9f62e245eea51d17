"use client";
import { useEffect, useRef } from "react";

/**
 * The outcome of an action that redirected here (`?saved=`, `?created=1`): a polite status that
 * takes the keyboard focus once, so a keyboard or screen reader user hears it and goes on from
 * here. After the redirect the focus is otherwise on <body>: the button that had it is gone.
 * Without a message the status stays rendered, empty and visually hidden.
 */
export function FlashMessage({ message, className }: { message: string | null | undefined; className: string }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  return (
    <p ref={ref} role="status" tabIndex={message ? -1 : undefined} className={message ? className : "sr-only"}>
      {message ?? ""}
    </p>
  );
}
