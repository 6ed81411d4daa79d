"""Write paths of publishing, one module per use-case seam: publications (drafting to withdrawal),
catalogue (an organisation's 公开目录 and its settings) and revisions (changing a published item)."""
