/** repository[:tag][@digest]; a port in the registry host is not a tag. */
export function parseImageRef(image: string): { repository: string; tag: string | undefined; digest: string | undefined } {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, tag: tag === "" ? undefined : tag, digest: digest === "" ? undefined : digest };
}
