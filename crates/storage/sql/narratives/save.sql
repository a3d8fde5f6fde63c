INSERT INTO insight_narratives (org_id, books_version, provider, model, narratives_enc, written_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id) DO UPDATE SET books_version = excluded.books_version,
provider = excluded.provider, model = excluded.model, narratives_enc = excluded.narratives_enc,
written_at = excluded.written_at
