import type { SocialFeed as Feed } from "@/lib/integrations/api";
import { unwrapDeadLinks } from "@/lib/social/links";

const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/**
 * The home page's social feed: public posts with the shop's hashtag. The HTML was sanitised by
 * the API (p, br and http(s) links with rel=nofollow only; no images); a link it emptied is
 * plain text. Hidden when empty.
 */
export function SocialFeed({ feed }: { feed: Feed | null }) {
  if (!feed || feed.items.length === 0) return null;
  return (
    <section aria-labelledby="social-heading" className="space-y-4">
      <div>
        <h2 id="social-heading" className="text-xl font-bold tracking-tight">
          From our community
        </h2>
        <p className="text-sm text-muted">Public posts tagged #{feed.hashtag} on Mastodon</p>
      </div>
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {feed.items.map((post) => (
          <li key={post.id}>
            <article aria-labelledby={`social-${post.id}`} className="flex h-full flex-col rounded-lg border border-gray-200 p-4">
              <header>
                <h3 id={`social-${post.id}`} className="font-semibold">
                  {post.author.name}
                </h3>
                <p className="break-all text-sm text-muted">@{post.author.handle}</p>
              </header>
              <div
                className="mt-2 flex-1 break-words text-sm [&_a]:text-brand-700 [&_a]:underline [&_p+p]:mt-2"
                lang={post.language ?? undefined}
                // sanitised by the API (nh3 allowlist): see mercato/integrations/sanitize.py; a link
                // whose href it removed is shown as text
                dangerouslySetInnerHTML={{ __html: unwrapDeadLinks(post.content_html) }}
              />
              <footer className="mt-3 flex items-center justify-between gap-2 text-sm">
                <time dateTime={post.created_at} className="text-muted">
                  {DATE.format(new Date(post.created_at))}
                </time>
                <a href={post.url} rel="nofollow noopener noreferrer" className="font-medium text-brand-700 underline">
                  View post<span className="sr-only"> by {post.author.name} on Mastodon</span>
                </a>
              </footer>
            </article>
          </li>
        ))}
      </ul>
    </section>
  );
}
