// The Connect-Cxpa default is one per process (as Connect-MgGraph's): tests that connect in their own runspaces would
// see each other's defaults if they ran at once, so this assembly's tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
