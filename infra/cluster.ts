/**
 * The network of the gateway tasks and the functions. Two AZs (an ALB needs two subnets). The cluster puts each
 * gateway task in a public subnet with a public IP, which is all it needs to reach WhatsApp, Supabase and QStash.
 * The functions run in the private subnets, so they reach a gateway task at its private address (the fleet routes a
 * salon's calls to the task holding its session; the VPC's security group admits traffic from inside the VPC only),
 * and go out to YClients, QStash, Supabase and Gemini through NAT: fck-nat instances (`nat: "ec2"`, a t4g.nano per
 * AZ) rather than managed NAT gateways, a tenth of the price.
 */
export function createCluster(): { vpc: sst.aws.Vpc; cluster: sst.aws.Cluster } {
  const vpc = new sst.aws.Vpc("Vpc", { az: 2, nat: "ec2" });
  const cluster = new sst.aws.Cluster("Cluster", { vpc });
  return { vpc, cluster };
}
