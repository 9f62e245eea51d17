import { getSiteSettings } from "@/lib/content/api";
import { isSafeHref } from "@/lib/content/safe-href";

/** The site-wide announcement from the CMS's site settings; nothing when there is none. */
export async function AnnouncementBar() {
  const announcement = (await getSiteSettings())?.announcement;
  if (!announcement) return null;
  const link = announcement.link && isSafeHref(announcement.link.href) ? announcement.link : null;
  return (
    <aside aria-label="Announcement" className="bg-brand-700 px-4 py-2 text-center text-sm text-white">
      <p>
        {announcement.text}
        {link ? (
          <>
            {" "}
            <a href={link.href} className="font-semibold underline">
              {link.label}
            </a>
          </>
        ) : null}
      </p>
    </aside>
  );
}
