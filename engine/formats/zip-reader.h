/* zip-reader.h: the central directory of a STORED (uncompressed) zip
 * archive, ZIP64 included: the container torch.save writes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const guint8 *data;   /* inside the archive's bytes */
  gsize         size;
} LsZipEntry;

/* Every entry of the archive @base [@size] by name (name → LsZipEntry*,
 * both owned by the table).  Each offset and size is checked against the
 * archive before use.  Errors are LS_ERROR_FORMAT, or LS_ERROR_UNSUPPORTED
 * for encrypted or compressed entries, prefixed with "@origin: ". */
GHashTable *ls_zip_read_entries (const guint8 *base,
                                 gsize         size,
                                 const char   *origin,
                                 GError      **error);

/* Little-endian reads, shared with the unpickler. */
static inline guint16
ls_read_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
ls_read_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
ls_read_le64 (const guint8 *p)
{
  return (guint64) ls_read_le32 (p) | ((guint64) ls_read_le32 (p + 4) << 32);
}

G_END_DECLS
