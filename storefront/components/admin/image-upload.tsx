"use client";
import { useActionState, useEffect, useState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { uploadImage } from "@/lib/admin/actions";
import { initialAdminState } from "@/lib/admin/state";
import { AdminField } from "./fields";

/** Upload one product image; the chosen file is previewed before it is sent. */
export function ImageUpload({ productId }: { productId: string }) {
  const [state, action] = useActionState(uploadImage, initialAdminState);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);
  const [seen, setSeen] = useState(state);
  if (seen !== state) {
    // a finished upload clears the preview (adjusting state while rendering, not in an effect)
    setSeen(state);
    if (state.status === "success") setPreview(null);
  }
  return (
    <form action={action} className="flex flex-col gap-3" aria-label="Upload an image">
      <input type="hidden" name="id" value={productId} />
      <AdminField id="image-file" label="Image file" hint="PNG, JPEG, GIF or WebP." error={state.fieldErrors?.file}>
        {(p) => (
          <input
            {...p}
            name="file"
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              setPreview(file ? URL.createObjectURL(file) : null);
            }}
          />
        )}
      </AdminField>
      {preview ? (
        // eslint-disable-next-line @next/next/no-img-element -- a local blob: preview, not a served image
        <img src={preview} alt="Preview of the chosen image" className="h-32 w-32 rounded-md border border-gray-200 object-cover" />
      ) : null}
      <AdminField id="image-alt" label="Alternative text" hint="Describes the image for people who cannot see it.">
        {(p) => <input {...p} name="alt" maxLength={300} />}
      </AdminField>
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel="Uploading…" variant="secondary">
          Upload image
        </SubmitButton>
      </div>
    </form>
  );
}
