"""Written conclusion documents (书面结论文件): drafts from records, signatures, effectiveness, anti-counterfeit
QR, public verification, and the building's 维保标识."""
