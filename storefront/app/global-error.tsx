"use client";

/** Errors in the root layout itself: renders its own <html> (no app CSS is guaranteed here). */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "4rem 1rem", textAlign: "center" }}>
        <h1>Something went wrong</h1>
        <p>Please try again in a moment.</p>
        {error.digest ? <p style={{ fontSize: "0.8rem" }}>Reference: {error.digest}</p> : null}
        <button type="button" onClick={reset} style={{ padding: "0.5rem 1rem", fontSize: "1rem" }}>
          Try again
        </button>
      </body>
    </html>
  );
}
