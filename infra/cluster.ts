/**
 * The network the gateway container runs in. Two AZs (an ALB needs two subnets) and no NAT: the cluster puts the
 * container in a public subnet with a public IP, which is all it needs to reach WhatsApp, Supabase and QStash.
 */
export function createCluster(): { vpc: sst.aws.Vpc; cluster: sst.aws.Cluster } {
  const vpc = new sst.aws.Vpc("Vpc", { az: 2 });
  const cluster = new sst.aws.Cluster("Cluster", { vpc });
  return { vpc, cluster };
}
