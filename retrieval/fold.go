package retrieval

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// fold maps text to the form that is indexed and searched: Unicode NFKC, so
// that full-width digits, letters and signs ("５０％") equal their half-width
// forms ("50%"), then lower case. Queries and chunks must be folded by the
// same function or their terms will not meet.
func fold(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}
