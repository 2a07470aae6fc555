// The sandbox ("pause") program of the real test node: built by test/cluster/build.sh kubelet.
module slipway.test/pause

go 1.26
