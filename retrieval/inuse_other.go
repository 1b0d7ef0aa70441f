//go:build !unix

package retrieval

// inUse cannot tell on this system: bolt's own lock makes a second opener
// wait (up to bolt_timeout) instead.
func inUse(string) bool { return false }
