/* zip-reader.c: the zip container of torch.save files: STORED entries only
 * (torch writes no compression), ZIP64 included.  The central directory
 * gives every entry; each offset and size is checked against the file before
 * use.  CRCs are not verified: the bounds checks keep every access inside the
 * file, and a flipped data byte gives a wrong weight, not a crash.
 */
#include "zip-reader.h"
#include "ls-error.h"

#include <string.h>

#define ZIP_MAX_ENTRIES (1u << 20)

static gboolean
fail_code (GError **error, const char *origin, int code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail_code (GError **error, const char *origin, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LS_ERROR, code, "%s: %s", origin, msg);
  return FALSE;
}

#define fail(error, origin, ...) fail_code (error, origin, LS_ERROR_FORMAT, __VA_ARGS__)

/* [off, off + len) inside [0, limit)? */
static gboolean
in_range (guint64 off, guint64 len, guint64 limit)
{
  return off <= limit && len <= limit - off;
}

static gboolean
read_entries (GHashTable *entries, const guint8 *b, gsize size, const char *origin,
              GError **error)
{
  if (size < 22)
    return fail (error, origin, "file is %" G_GSIZE_FORMAT " bytes, too short for a zip archive", size);

  /* End of central directory: the last 22 bytes, or earlier when a comment follows. */
  gsize eocd = 0;
  gboolean found = FALSE;
  gsize lowest = size >= 22 + 65535 ? size - 22 - 65535 : 0;
  for (gsize pos = size - 22 + 1; pos-- > lowest; )
    if (ls_read_le32 (b + pos) == 0x06054b50 && pos + 22 + ls_read_le16 (b + pos + 20) == size)
      {
        eocd = pos;
        found = TRUE;
        break;
      }
  if (!found)
    return fail (error, origin, "not a zip archive (no end of central directory); "
                 "only the zip format of torch.save (PyTorch >= 1.6) is supported");

  if (ls_read_le16 (b + eocd + 4) != 0 || ls_read_le16 (b + eocd + 6) != 0)
    return fail (error, origin, "multi-disk zip archives are not supported");
  guint64 n_entries = ls_read_le16 (b + eocd + 10);
  guint64 cd_size = ls_read_le32 (b + eocd + 12);
  guint64 cd_offset = ls_read_le32 (b + eocd + 16);
  guint64 cd_limit = eocd;

  /* ZIP64: the locator sits just before the classic record. */
  if (eocd >= 20 && ls_read_le32 (b + eocd - 20) == 0x07064b50)
    {
      guint64 z64 = ls_read_le64 (b + eocd - 20 + 8);
      if (!in_range (z64, 56, eocd - 20) || ls_read_le32 (b + z64) != 0x06064b50)
        return fail (error, origin, "ZIP64 end of central directory record is "
                     "missing or out of range");
      if (n_entries == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff)
        {
          n_entries = ls_read_le64 (b + z64 + 32);
          cd_size = ls_read_le64 (b + z64 + 40);
          cd_offset = ls_read_le64 (b + z64 + 48);
        }
      cd_limit = z64;
    }

  if (n_entries > ZIP_MAX_ENTRIES)
    return fail (error, origin, "zip archive claims %" G_GUINT64_FORMAT " entries (limit %u)",
                 n_entries, ZIP_MAX_ENTRIES);
  if (!in_range (cd_offset, cd_size, cd_limit))
    return fail (error, origin, "zip central directory (offset %" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT " bytes) lies outside the file", cd_offset, cd_size);

  guint64 p = cd_offset;
  guint64 cd_end = cd_offset + cd_size;
  for (guint64 i = 0; i < n_entries; i++)
    {
      if (!in_range (p, 46, cd_end) || ls_read_le32 (b + p) != 0x02014b50)
        return fail (error, origin, "zip central directory entry %" G_GUINT64_FORMAT
                     " is malformed", i);
      guint16 flags = ls_read_le16 (b + p + 8);
      guint16 method = ls_read_le16 (b + p + 10);
      guint64 csize = ls_read_le32 (b + p + 20);
      guint64 usize = ls_read_le32 (b + p + 24);
      guint16 name_len = ls_read_le16 (b + p + 28);
      guint16 extra_len = ls_read_le16 (b + p + 30);
      guint16 comment_len = ls_read_le16 (b + p + 32);
      guint64 local = ls_read_le32 (b + p + 42);
      if (!in_range (p + 46, (guint64) name_len + extra_len + comment_len, cd_end))
        return fail (error, origin, "zip central directory entry %" G_GUINT64_FORMAT
                     " runs past the directory", i);
      const guint8 *name = b + p + 46;
      const guint8 *extra = name + name_len;

      /* ZIP64 extended information: the saturated fields, in order. */
      for (guint e = 0; e + 4 <= extra_len; )
        {
          guint16 id = ls_read_le16 (extra + e), len = ls_read_le16 (extra + e + 2);
          if (e + 4 + len > extra_len)
            return fail (error, origin, "zip entry %" G_GUINT64_FORMAT " has a "
                         "malformed extra field", i);
          if (id == 0x0001)
            {
              guint off = e + 4;
              guint64 *fields[] = { &usize, &csize, &local };
              for (gsize f = 0; f < G_N_ELEMENTS (fields); f++)
                if (*fields[f] == 0xffffffff)
                  {
                    if (off + 8 > e + 4 + (guint) len)
                      return fail (error, origin, "zip entry %" G_GUINT64_FORMAT
                                   " has a truncated ZIP64 field", i);
                    *fields[f] = ls_read_le64 (extra + off);
                    off += 8;
                  }
            }
          e += 4 + len;
        }

      g_autofree char *entry_name = g_strndup ((const char *) name, name_len);
      if (strlen (entry_name) != name_len)
        return fail (error, origin, "zip entry %" G_GUINT64_FORMAT " has a NUL in its name", i);
      if (flags & 0x1)
        return fail_code (error, origin, LS_ERROR_UNSUPPORTED,
                          "zip entry '%s' is encrypted", entry_name);
      if (method != 0)
        return fail_code (error, origin, LS_ERROR_UNSUPPORTED,
                          "zip entry '%s' is compressed (method %u); torch.save "
                          "writes uncompressed (stored) entries, re-save the "
                          "file with torch.save or convert it to safetensors",
                          entry_name, method);
      if (csize != usize)
        return fail (error, origin, "zip entry '%s' is stored but its sizes differ", entry_name);

      if (!in_range (local, 30, cd_offset) || ls_read_le32 (b + local) != 0x04034b50)
        return fail (error, origin, "zip entry '%s' has no local header at offset %"
                     G_GUINT64_FORMAT, entry_name, local);
      guint64 lname = ls_read_le16 (b + local + 26);
      guint64 lextra = ls_read_le16 (b + local + 28);
      guint64 start = local + 30 + lname + lextra;
      if (lname != name_len || memcmp (b + local + 30, name, name_len) != 0)
        return fail (error, origin, "zip entry '%s': local and central names differ", entry_name);
      if (!in_range (start, csize, cd_offset))
        return fail (error, origin, "zip entry '%s' (%" G_GUINT64_FORMAT " bytes at %"
                     G_GUINT64_FORMAT ") runs past the file data", entry_name, csize, start);

      LsZipEntry *z = g_new (LsZipEntry, 1);
      z->data = b + start;
      z->size = (gsize) csize;
      if (!g_hash_table_insert (entries, g_steal_pointer (&entry_name), z))
        return fail (error, origin, "zip archive has the entry '%.*s' twice",
                     (int) name_len, (const char *) name);
      p += 46 + (guint64) name_len + extra_len + comment_len;
    }
  return TRUE;
}

GHashTable *
ls_zip_read_entries (const guint8 *base, gsize size, const char *origin, GError **error)
{
  g_autoptr(GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!read_entries (entries, base, size, origin, error))
    return NULL;
  return g_steal_pointer (&entries);
}
