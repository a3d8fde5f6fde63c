SELECT org_id, books_version, provider, model, narratives_enc, written_at
FROM insight_narratives WHERE org_id = $1
