-- 汇聚区校验异常反馈：省汇聚区写入被退回的每一行，一门读取后标记为被退回，待更正后以同一 row_guid 重报。
CREATE TABLE IF NOT EXISTS `dn_audit_abnormal` (
  `id` BIGINT NOT NULL AUTO_INCREMENT COMMENT '主键',
  `row_guid` VARCHAR(50) NOT NULL COMMENT '记录唯一标识',
  `table_name` VARCHAR(50) NOT NULL COMMENT '数据表中文名',
  `table_sql_name` VARCHAR(50) NOT NULL COMMENT '数据表英文名',
  `table_row_guid` VARCHAR(50) NOT NULL COMMENT '被退回记录的 row_guid',
  `table_cd_batch` VARCHAR(32) NOT NULL COMMENT '被退回记录的批次号',
  `table_cd_source` VARCHAR(10) NOT NULL COMMENT '被退回记录的数据来源',
  `table_cd_time` DATETIME NOT NULL COMMENT '上传日期',
  `table_update_time` DATETIME NOT NULL COMMENT '进入汇聚区日期',
  `err_type` VARCHAR(100) NOT NULL COMMENT '异常类型',
  `remark` VARCHAR(1000) NULL COMMENT '异常说明',
  `cd_time` DATETIME NOT NULL COMMENT '同步时间',
  PRIMARY KEY (`id`),
  KEY `dn_audit_abnormal_table_row_guid` (`table_row_guid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='汇聚区校验异常反馈';
