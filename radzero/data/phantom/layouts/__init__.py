"""Writers of the phantom root's sub-trees, one per real dataset layout (see ``docs/protocols.md``, "Data layouts").

Each writer turns the plan and the render results into that dataset's files plus its ground truth
under ``truth/`` (main process, deterministic order) and returns its counts for the manifest.
"""
