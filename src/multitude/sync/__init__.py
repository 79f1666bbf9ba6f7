"""Moving events between nodes: bundle files now, network replication later. Never
interprets events: what they mean is the node's business."""
