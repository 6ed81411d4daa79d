"""数据交换: Yimen's records pushed to the provincial platform and other targets, pulled by departments."""
