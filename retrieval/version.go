package retrieval

// Version counts the updates applied to the index: it changes whenever its
// documents do, so what is derived from Chunks (the policy matcher's
// provisions) can be kept until it does.
func (ix *Index) Version() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.version
}
