"""Write paths of a disclosure request, one module per use-case seam: intake (registration), steps
(办理中 to 办结), clock (补正, 征求意见, 延期), fees (信息处理费), appeals (复议、诉讼) and
privacy (the applicant anonymised past the retention)."""
