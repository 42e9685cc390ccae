"""Ingestion (接入): the signed partner API and the pipeline that turns a partner's record into a
quantified, deduplicated credit exactly once, or into a precise reason why not."""
