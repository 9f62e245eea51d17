/** Sign-in, register and the emailed-link pages: a narrow centred column. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return <div className="mx-auto w-full max-w-md py-4">{children}</div>;
}
