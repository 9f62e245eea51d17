import { defineArrayMember, defineField, defineType } from "@sanity/types";

const slugField = (source?: string, description?: string) =>
  defineField({
    name: "slug",
    title: "Slug",
    type: "slug",
    description,
    options: source ? { source, maxLength: 200 } : { maxLength: 200 },
    validation: (rule) =>
      rule.required().custom((value: { current?: string } | undefined) =>
        !value?.current || /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(value.current) ? true : "Lowercase words joined by hyphens",
      ),
  });

export const author = defineType({
  name: "author",
  title: "Author",
  type: "document",
  fields: [
    defineField({ name: "name", title: "Name", type: "string", validation: (rule) => rule.required().max(200) }),
    slugField("name"),
    defineField({ name: "bio", title: "Bio", type: "text", rows: 4, validation: (rule) => rule.max(2000) }),
    defineField({ name: "image", title: "Portrait", type: "accessibleImage" }),
  ],
  preview: { select: { title: "name", media: "image" } },
});

export const post = defineType({
  name: "post",
  title: "Blog post",
  type: "document",
  fields: [
    defineField({ name: "title", title: "Title", type: "string", validation: (rule) => rule.required().max(300) }),
    slugField("title"),
    defineField({ name: "excerpt", title: "Excerpt", type: "text", rows: 3, validation: (rule) => rule.max(1000) }),
    defineField({ name: "coverImage", title: "Cover image", type: "accessibleImage" }),
    defineField({ name: "author", title: "Author", type: "reference", to: [{ type: "author" }] }),
    defineField({ name: "categories", title: "Categories", type: "array", of: [defineArrayMember({ type: "string" })], options: { layout: "tags" } }),
    defineField({ name: "publishedAt", title: "Published at", type: "datetime", validation: (rule) => rule.required() }),
    defineField({ name: "body", title: "Body", type: "richText" }),
    defineField({ name: "seo", title: "SEO", type: "seo" }),
  ],
  orderings: [{ title: "Newest first", name: "publishedAtDesc", by: [{ field: "publishedAt", direction: "desc" }] }],
  preview: { select: { title: "title", subtitle: "publishedAt", media: "coverImage" } },
});

export const page = defineType({
  name: "page",
  title: "Page",
  type: "document",
  description: "About, FAQ, shipping and returns, terms, privacy… served at /pages/<slug>",
  fields: [
    defineField({ name: "title", title: "Title", type: "string", validation: (rule) => rule.required().max(300) }),
    slugField("title"),
    defineField({ name: "body", title: "Body", type: "richText" }),
    defineField({ name: "seo", title: "SEO", type: "seo" }),
  ],
});

export const siteSettings = defineType({
  name: "siteSettings",
  title: "Site settings",
  type: "document",
  description: 'A singleton: the document id is "siteSettings".',
  fields: [
    defineField({ name: "title", title: "Shop name", type: "string", validation: (rule) => rule.required() }),
    defineField({
      name: "hero",
      title: "Home hero",
      type: "object",
      fields: [
        defineField({ name: "heading", title: "Heading", type: "string", validation: (rule) => rule.required().max(200) }),
        defineField({ name: "text", title: "Text", type: "text", rows: 2, validation: (rule) => rule.max(1000) }),
        defineField({ name: "cta", title: "Button", type: "link" }),
        defineField({ name: "image", title: "Image", type: "accessibleImage" }),
      ],
    }),
    defineField({
      name: "announcement",
      title: "Announcement bar",
      type: "object",
      fields: [
        defineField({ name: "enabled", title: "Show it", type: "boolean", initialValue: true }),
        defineField({ name: "text", title: "Text", type: "string", validation: (rule) => rule.max(300) }),
        defineField({ name: "link", title: "Link", type: "link" }),
      ],
    }),
    defineField({ name: "footerLinks", title: "Footer links", type: "array", of: [defineArrayMember({ type: "link" })], validation: (rule) => rule.max(30) }),
  ],
});

export const productEditorial = defineType({
  name: "productEditorial",
  title: "Product editorial",
  type: "document",
  description: "Extra content on a product page; the slug is the product's slug in the shop.",
  fields: [
    slugField(undefined, "The product's slug, e.g. everyday-denim-jacket"),
    defineField({ name: "body", title: "Rich description", type: "richText" }),
    defineField({ name: "highlights", title: "Highlights", type: "array", of: [defineArrayMember({ type: "string" })], validation: (rule) => rule.max(20) }),
    defineField({ name: "images", title: "Extra images", type: "array", of: [defineArrayMember({ type: "accessibleImage" })], validation: (rule) => rule.max(12) }),
  ],
  preview: { select: { title: "slug.current" } },
});
