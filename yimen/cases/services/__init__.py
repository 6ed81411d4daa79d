"""Write paths of a case, one module per use-case seam: intake (filing), steps (受理 to 送达), reviews
(并联审查), evaluations (好差评 and work orders), privacy (unmasking personal data)."""
