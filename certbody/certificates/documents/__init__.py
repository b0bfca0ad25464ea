"""Certificate documents: the signed, bilingual PDF of a certificate version, its keys and its verification."""
